"""Words of the recovery plan (Telegram HTML parse mode: only <b> and <i> are used).

Facts come from the source article on exercise-induced calf cramps (the calf-cramps
article): rest and ice on day 0; ice for several days; anti-inflammatory medicine or gel
may help but has risks; massage or gentle foam rolling only after 24 hours; exercise
from day 3, one stage at a time; no strength work for at least two weeks; prevention by
strength training, avoiding the heat, no thick or compression clothing on hot days; and
electrolytes or salt do not prevent this kind of cramp. Every sentence is our own.

Not from the article, and marked where used:
* the physiotherapist suggestion after a flare-up is safety advice in line with NHS and
  sports physiotherapy guidance;
* the warning-sign messages and the plan's hold: sources beside each text (NHS DVT symptoms;
  Journal of Athletic Training 2021 consensus and CDC heat-related illness for dark urine;
  sports physiotherapy guidance and NHS Achilles tendon rupture for a pop or new bruising).

Never advise here what the article warns against: forceful stretching, cramp sprays,
electrolytes or salt as prevention, massage in the first 24 hours, exercise before day 3
or strength work before day 14. tests/test_rules_recovery.py checks this.
"""

from __future__ import annotations

from conversations.i18n.localized import localize
from conversations.texts import red_flags as red_flag_texts
from conversations.texts.common import long_date
from rules.recovery import (
    ICE_DAYS,
    Advice,
    DayPlan,
    Decision,
    Outcome,
    Reason,
    Stage,
    StepOutcome,
)
from rules.red_flags import RedFlag

__all__ = [
    "ANTI_INFLAMMATORY_NOTE",
    "ASK_PAIN",
    "ASK_WARNING_SIGN",
    "ASK_WARNING_SIGN_DAY_0",
    "ASK_YESTERDAY",
    "DAY_PLAN_ITEMS",
    "DECISION_MESSAGES",
    "HOLD_REASONS",
    "HOLD_STARTED",
    "PHYSIO_SUGGESTION",
    "PHYSIO_SUGGESTION_AT_REST",
    "PREVENTION",
    "RED_FLAG",
    "RED_FLAG_TEAR",
    "RED_FLAG_URINE",
    "STAGE_INSTRUCTIONS",
    "STAGE_NAMES",
    "STEP_BACK_REASONS",
    "STEP_OUTCOME_LABELS",
    "WAITING_FOR",
    "all_texts",
    "ask_warning_sign",
    "day_plan_text",
    "long_date",
    "outcome_text",
    "stage_name",
]

# --- Stages ----------------------------------------------------------------------------

STAGE_NAMES: dict[Stage, str] = {
    Stage.REST: "Rest and ice",
    Stage.MASSAGE: "Ice and gentle massage",
    Stage.WALK_FLAT: "Easy walking on the flat",
    Stage.WALK_FAST: "Brisker walking",
    Stage.WALK_INCLINE: "Walking on slopes",
    Stage.RUN: "Running",
    Stage.DONE: "Back to normal training",
}

STAGE_INSTRUCTIONS: dict[Stage, str] = {
    Stage.REST: "Rest the {muscle} today and ice it.",
    Stage.MASSAGE: (
        "Keep icing the {muscle}. You can now massage it or foam-roll it gently, "
        "which helps you get back to walking around as usual."
    ),
    Stage.WALK_FLAT: "Go for a walk on level ground at a steady, easy pace.",
    Stage.WALK_FAST: "Walk on level ground again, and this time pick up the pace a little.",
    Stage.WALK_INCLINE: "Take your walk onto some slopes or hills today.",
    Stage.RUN: (
        "Try a short, easy run. Over the next days, add distance a little at a time "
        "rather than all at once."
    ),
    Stage.DONE: "Your recovery plan is complete.",
}


def stage_name(stage: Stage) -> str:
    """The short name of a stage, for buttons and headings."""
    return str(_here.STAGE_NAMES[stage])


# --- The day's plan --------------------------------------------------------------------

ANTI_INFLAMMATORY_NOTE = (
    "Anti-inflammatory tablets or gel can sometimes ease things, but they carry some "
    "risks, so ask a pharmacist before you use them."
)

# From the source article, except the last line: the article lists these three ways to
# lower the odds of another cramp and says electrolytes or salt do not prevent it.
PREVENTION = (
    "<b>You've completed the plan. Well done!</b>\n"
    "To make another cramp less likely:\n"
    "• Keep up strength training. Stronger muscles tire later, so cramps tend to hold "
    "off much longer, even if they don't vanish entirely.\n"
    "• When you can, train outside the hottest part of the day.\n"
    "• On hot days, skip thick or compression clothing: it can raise your skin "
    "temperature by as much as 5 °C.\n"
    "• Good to know: electrolytes or salt don't prevent this kind of cramp, "
    "whatever you may have heard."
)

DAY_PLAN_ITEMS: dict[Advice, str] = {
    Advice.REST: "Rest the {muscle} today.",
    Advice.ICE: f"Ice the {{muscle}}. Keep this up for the first {ICE_DAYS} days after the cramp.",
    Advice.ANTI_INFLAMMATORY_NOTE: ANTI_INFLAMMATORY_NOTE,
    Advice.NO_MASSAGE_YET: (
        "No massage or foam rolling yet: wait until a full 24 hours have passed since the cramp."
    ),
    Advice.MASSAGE_OK: (
        "Massage or gentle foam rolling is fine now, and helps you get back to normal walking."
    ),
    # The line for EXERCISE_STAGE is the stage's instruction; see day_plan_text().
    Advice.EXERCISE_STAGE: "Today's exercise step:",
    Advice.NO_STRENGTH_UNTIL_DAY_14: (
        "No strength work until after the two weeks since the cramp: "
        "it tends to drag recovery out and can bring on more cramps."
    ),
    Advice.PREVENTION: PREVENTION,
    # A warning sign (sources at ASK_WARNING_SIGN and the RED_FLAG texts below): nothing the
    # athlete does for the muscle until a doctor has looked at the leg.
    Advice.HOLD: (
        "<b>Your plan is on hold until a doctor has seen you.</b> Rest your leg, don't massage "
        "or stretch it, and leave the exercise steps for now."
    ),
}


def day_plan_text(plan: DayPlan) -> str:
    """Today's plan as one message: a heading, then one line per advice item."""
    if plan.has(Advice.PREVENTION):
        return str(_here.PREVENTION)
    heading = _here.ON_HOLD if plan.has(Advice.HOLD) else stage_name(plan.stage)
    lines = [_here.DAY_HEADING.format(day=plan.day, heading=heading)]
    for item in plan.items:
        text = _here.DAY_PLAN_ITEMS[item]
        if item is Advice.EXERCISE_STAGE and plan.exercise_stage is not None:
            text = f"{text} {_here.STAGE_INSTRUCTIONS[plan.exercise_stage]}"
        lines.append(f"• {text}")
    return "\n".join(lines)


ON_HOLD = "On hold"

# --- Check-in questions ----------------------------------------------------------------

ASK_PAIN = "How much does the {muscle} hurt right now, from 0 (not at all) to 10 (the worst)?"
# Not asked on the cramp's own day (day 0): there was no step yet.
ASK_YESTERDAY = "How did yesterday's step go?"
STEP_OUTCOME_LABELS: dict[StepOutcome, str] = {
    StepOutcome.COMFORTABLE: "Comfortable",
    StepOutcome.UNCOMFORTABLE: "Uncomfortable",
    StepOutcome.NOT_DONE: "Didn't do it",
}
# One sign per button (labels in texts.plan), the most urgent first. Sources:
# chest pain or breathlessness: NHS "DVT symptoms" (a clot that has reached the lungs);
# dark urine: Journal of Athletic Training 2021 consensus on exercise-associated muscle cramps
# (Miller et al., table 1) and CDC "Heat-related illness" (muscle breakdown, rhabdomyolysis);
# a swollen, warm or red leg, or pain at rest getting worse: NHS "DVT symptoms" (a clot);
# a pop or new bruising: sports physiotherapy guidance, NHS "Achilles tendon rupture" (a tear).
ASK_WARNING_SIGN = "<b>Any of these since yesterday?</b> Tap the first one that fits."
# The check-in on the cramp's own day (day 0).
ASK_WARNING_SIGN_DAY_0 = "<b>Any of these since the cramp?</b> Tap the first one that fits."


def ask_warning_sign(day: int) -> str:
    """The warning question of a check-in on ``day`` ("since the cramp" on its own day)."""
    return str(_here.ASK_WARNING_SIGN_DAY_0 if day == 0 else _here.ASK_WARNING_SIGN)


# --- Decisions -------------------------------------------------------------------------

# A swollen, warm or red leg, or pain at rest getting worse (NHS, "DVT symptoms": a clot needs
# same-day assessment; chest pain or breathlessness on top means it may have reached the lungs).
# ``{number}`` is the athlete's emergency number.
RED_FLAG = (
    "⚠️ <b>Please get seen by a doctor today.</b>\n\n"
    "A swollen, warm or red leg, or pain at rest that keeps getting worse, can be a blood clot. "
    "Don't massage or stretch the leg. If you become short of breath or get chest pain, call "
    "at once:\n\n<b>{number}</b>"
)
# Dark urine after exercise: an emergency, as in the SOS flow (Journal of Athletic Training
# 2021 consensus on exercise-associated muscle cramps, Miller et al., table 1; CDC
# "Heat-related illness": dark urine with cramps can mean rhabdomyolysis, muscle breakdown that
# can harm the kidneys). The stricter of the two answers the bot used to give.
RED_FLAG_URINE = (
    "🚨 <b>Call the emergency number now:</b>\n\n<b>{number}</b>\n\n"
    "Dark, cola-coloured urine after a cramp or hard exercise can mean muscle breakdown, which "
    "can harm the kidneys. <b>Sit or lie down</b> and don't exercise until you've been checked."
)
# A pop or new bruising (sports physiotherapy guidance; NHS "Achilles tendon rupture"): a
# possible tear, to be assessed the same day.
RED_FLAG_TEAR = (
    "⚠️ <b>Please get the leg checked today.</b>\n\n"
    "A pop or new bruising can mean a torn muscle or tendon rather than cramp damage. Keep the "
    "weight off it, and don't stretch it or run on it until it's been assessed at urgent care "
    "or by a doctor. If the pain is severe, call:\n\n<b>{number}</b>"
)
RED_FLAG_CHEST = red_flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS]

# After any of the above (or pain out of proportion): the plan waits for a doctor's word.
HOLD_STARTED = (
    "⏸ <b>I've put your recovery plan on hold</b> until a doctor has seen you. Meanwhile, "
    "rest your leg, don't massage or stretch it, and leave the exercise steps. Once a doctor "
    "has cleared you, send /today and tell me."
)
# Same sources as the warning signs above: same-day assessment, and the emergency number for
# chest pain, breathlessness or a leg getting worse.
NOT_SEEN_YET = (
    "Then please keep resting your leg, don't massage or stretch it, and get seen today by a "
    "GP, urgent care or a walk-in clinic. If you get chest pain, feel short of breath or the "
    "leg gets worse, call:\n\n<b>{number}</b>\n\n"
    "Tap below once a doctor has cleared you."
)
CLEARED = "✅ Good to hear. Your plan carries on where it was: <b>{stage}</b>."

# Safety advice (NHS "Leg cramps"; Mayo Clinic "Compartment syndrome"): pain far beyond what a
# cramp leaves needs a doctor's look, whatever today's step is.
SEVERE_PAIN = (
    "🩺 <b>Pain this strong is more than a cramp usually leaves.</b> Please get medical advice "
    "today from a doctor or urgent care. If the leg is numb, pale or very swollen, call:\n\n"
    "<b>{number}</b>"
)

# Safety advice, not from the article (NHS / sports physiotherapy guidance): a
# flare-up once exercise has restarted deserves a professional look.
PHYSIO_SUGGESTION = (
    "Since the pain flared up after you'd started exercising again, it's worth seeing a "
    "physiotherapist, who can examine the {muscle} and shape your comeback."
)
# The same guidance, for a flare-up from day 3 while still on rest, ice and massage.
PHYSIO_SUGGESTION_AT_REST = (
    "Since the pain has flared up even though you've been resting the {muscle}, it's worth "
    "seeing a physiotherapist, who can examine it and plan your return to exercise."
)

STEP_BACK_REASONS: dict[Reason, str] = {
    Reason.PAIN_HIGH: "Your pain is high today.",
    Reason.PAIN_JUMP: "Your pain has gone up quite a bit since last time.",
}

HOLD_REASONS: dict[Reason, str] = {
    Reason.UNCOMFORTABLE: (
        "Yesterday's step didn't feel comfortable, so let's stay on it today. "
        "The {muscle} just needs a little longer."
    ),
    Reason.PAIN_RISING: (
        "Your pain has crept up a little, so stay on the same step today rather than moving on."
    ),
    Reason.NOT_DONE: "No problem, just give the same step a go today.",
    Reason.PAIN_MODERATE: (
        "Nice that it went well. Your pain is still above 3, so stay on this step until it settles."
    ),
    Reason.WAITING_FOR_DAY: "You're doing well. The next step isn't open yet, so stay put.",
    Reason.NO_STEP_YET: "Today is the day of the cramp: rest the {muscle} and ice it.",
    Reason.ON_HOLD: "Your plan stays on hold until a doctor has seen you.",
}

# What the athlete is waiting for when ready but the calendar is not (source article).
WAITING_FOR: dict[Stage, str] = {
    Stage.MASSAGE: "Massage can start once 24 hours have passed since the cramp.",
    Stage.WALK_FLAT: "Exercise can start from {date} (day 3 after the cramp).",
    Stage.DONE: (
        "Keep running and slowly building distance: the plan runs for at least two weeks, "
        "until {date} (day 14)."
    ),
}
# The same, for an outcome that names no date (one not made by rules.decide): the day alone.
WAITING_FOR_UNDATED: dict[Stage, str] = {
    Stage.MASSAGE: WAITING_FOR[Stage.MASSAGE],
    Stage.WALK_FLAT: "Exercise can start from day 3 after the cramp.",
    Stage.DONE: (
        "Keep running and slowly building distance: the plan runs for at least two weeks, "
        "until day 14."
    ),
}
# How a check-in reply and today's plan are put together.
CARRY_ON_FROM = "At your next check-in you'll carry on from: <b>{stage}</b>."
STAGE_LINE = "<b>{stage}:</b> {instruction}"
DAY_HEADING = "<b>Day {day}: {heading}</b>"


def waiting_for_text(outcome: Outcome) -> str:
    """What the athlete waits for, with the date it opens on where there is one."""
    if outcome.waiting_for is None:
        return ""
    if outcome.opens_on is None:
        return str(_here.WAITING_FOR_UNDATED.get(outcome.waiting_for, ""))
    text = str(_here.WAITING_FOR.get(outcome.waiting_for, ""))
    return text.replace("{date}", long_date(outcome.opens_on))


DECISION_MESSAGES: dict[Decision, str] = {
    Decision.ADVANCE: "<b>Great progress!</b> Yesterday went well, so today you move up one step.",
    Decision.HOLD: "<b>Same step today.</b>",
    Decision.STEP_BACK: "<b>Let's ease off.</b> Rest the {muscle} today; no exercise step.",
    Decision.RED_FLAG: RED_FLAG,
    Decision.FINISHED: PREVENTION,
}


def for_muscle(text: str, muscle: str) -> str:
    """Name the athlete's muscle (``texts.sos.muscle_name``) where a text says ``{muscle}``."""
    return text.replace("{muscle}", muscle)


def outcome_text(outcome: Outcome, day_plan: DayPlan | None = None) -> str:
    """The check-in reply for ``outcome``: the decision, why, and what comes next.

    With ``day_plan`` (the day's plan at the new stage), the whole plan for today follows
    instead of the one-line stage instruction.
    """
    messages = _here.DECISION_MESSAGES
    if outcome.decision in (Decision.RED_FLAG, Decision.FINISHED):
        return str(messages[outcome.decision])
    parts = [messages[outcome.decision]]
    if outcome.decision is Decision.STEP_BACK:
        parts.append(_here.STEP_BACK_REASONS.get(outcome.reason, ""))
        if outcome.suggest_physio:
            exercising = outcome.stage_before >= Stage.WALK_FLAT
            parts.append(_here.PHYSIO_SUGGESTION if exercising else _here.PHYSIO_SUGGESTION_AT_REST)
    elif outcome.decision is Decision.HOLD:
        parts.append(_here.HOLD_REASONS.get(outcome.reason, ""))
        parts.append(waiting_for_text(outcome))
    if outcome.rest_today:
        parts.append(_here.CARRY_ON_FROM.format(stage=stage_name(outcome.new_stage)))
    elif day_plan is not None:
        parts.append(f"\n{day_plan_text(day_plan)}")
    else:
        instruction = _here.STAGE_INSTRUCTIONS[outcome.new_stage]
        parts.append(
            _here.STAGE_LINE.format(stage=stage_name(outcome.new_stage), instruction=instruction)
        )
    return "\n".join(part for part in parts if part)


def all_texts() -> list[str]:
    """Every text in this module, for content checks."""
    texts = [
        ANTI_INFLAMMATORY_NOTE,
        PREVENTION,
        ASK_PAIN,
        ASK_YESTERDAY,
        ASK_WARNING_SIGN,
        ASK_WARNING_SIGN_DAY_0,
        RED_FLAG,
        RED_FLAG_URINE,
        RED_FLAG_TEAR,
        RED_FLAG_CHEST,
        HOLD_STARTED,
        NOT_SEEN_YET,
        CLEARED,
        SEVERE_PAIN,
        PHYSIO_SUGGESTION,
        PHYSIO_SUGGESTION_AT_REST,
    ]
    texts += STAGE_NAMES.values()
    texts += STAGE_INSTRUCTIONS.values()
    texts += DAY_PLAN_ITEMS.values()
    texts += STEP_OUTCOME_LABELS.values()
    texts += STEP_BACK_REASONS.values()
    texts += HOLD_REASONS.values()
    texts += WAITING_FOR.values()
    texts += DECISION_MESSAGES.values()
    return texts


_here = localize(__name__)
