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
* the warning-sign message (one-sided swelling, warmth, redness, worsening pain at rest
  could be a clot) follows the NHS DVT symptoms page.

Never advise here what the article warns against: forceful stretching, cramp sprays,
electrolytes or salt as prevention, massage in the first 24 hours, exercise before day 3
or strength work before day 14. tests/test_rules_recovery.py checks this.
"""

from __future__ import annotations

from conversations.texts import red_flags as red_flag_texts
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
    "ASK_YESTERDAY",
    "DAY_PLAN_ITEMS",
    "DECISION_MESSAGES",
    "HOLD_REASONS",
    "PHYSIO_SUGGESTION",
    "PREVENTION",
    "RED_FLAG",
    "STAGE_INSTRUCTIONS",
    "STAGE_NAMES",
    "STEP_BACK_REASONS",
    "STEP_OUTCOME_LABELS",
    "WAITING_FOR",
    "all_texts",
    "day_plan_text",
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
    return STAGE_NAMES[stage]


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
        "No strength work until two weeks have passed since the cramp: "
        "it tends to drag recovery out and can bring on more cramps."
    ),
    Advice.PREVENTION: PREVENTION,
}


def day_plan_text(plan: DayPlan) -> str:
    """Today's plan as one message: a heading, then one line per advice item."""
    if plan.has(Advice.PREVENTION):
        return PREVENTION
    lines = [f"<b>Day {plan.day}: {stage_name(plan.stage)}</b>"]
    for item in plan.items:
        text = DAY_PLAN_ITEMS[item]
        if item is Advice.EXERCISE_STAGE and plan.exercise_stage is not None:
            text = f"{text} {STAGE_INSTRUCTIONS[plan.exercise_stage]}"
        lines.append(f"• {text}")
    return "\n".join(lines)


# --- Check-in questions ----------------------------------------------------------------

ASK_PAIN = "How much does the {muscle} hurt right now, from 0 (not at all) to 10 (the worst)?"
ASK_YESTERDAY = "How did yesterday's step go?"
STEP_OUTCOME_LABELS: dict[StepOutcome, str] = {
    StepOutcome.COMFORTABLE: "Comfortable",
    StepOutcome.UNCOMFORTABLE: "Uncomfortable",
    StepOutcome.NOT_DONE: "Didn't do it",
}
# NHS "DVT symptoms", CDC "Heat-related illness" (dark urine: muscle breakdown), NHS "DVT
# symptoms" (chest pain or breathlessness: a clot in the lungs).
ASK_WARNING_SIGN = (
    "<b>Any of these since yesterday?</b>\n"
    "• one calf or leg swollen, warm or red, or pain at rest getting worse\n"
    "• dark, cola-coloured urine\n"
    "• chest pain or shortness of breath"
)

# --- Decisions -------------------------------------------------------------------------

# A warning sign at a check-in: a swollen, warm or red leg (NHS, DVT symptoms) or dark urine
# (CDC: muscle breakdown) needs a doctor the same day; chest pain or breathlessness (NHS, DVT
# symptoms: a clot may have reached the lungs) gets the SOS flow's emergency guidance.
# ``{number}`` is the athlete's emergency number.
RED_FLAG = (
    "⚠️ <b>Please get seen by a doctor today.</b>\n\n"
    "A swollen, warm or red leg can be a blood clot, and dark urine after exercise can mean "
    "muscle breakdown. Don't massage or stretch the leg, and hold the exercise steps until "
    "you've been checked. If you become short of breath or get chest pain, call at once:\n\n"
    "<b>{number}</b>"
)
RED_FLAG_CHEST = red_flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS]

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
}

# What the athlete is waiting for when ready but the calendar is not (source article).
WAITING_FOR: dict[Stage, str] = {
    Stage.MASSAGE: "Massage can start once 24 hours have passed since the cramp.",
    Stage.WALK_FLAT: "Exercise can start from day 3 after the cramp.",
    Stage.DONE: (
        "Keep running and slowly building distance: the plan runs for at least two weeks."
    ),
}

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
    if outcome.decision in (Decision.RED_FLAG, Decision.FINISHED):
        return DECISION_MESSAGES[outcome.decision]
    parts = [DECISION_MESSAGES[outcome.decision]]
    if outcome.decision is Decision.STEP_BACK:
        parts.append(STEP_BACK_REASONS.get(outcome.reason, ""))
        if outcome.suggest_physio:
            parts.append(PHYSIO_SUGGESTION)
    elif outcome.decision is Decision.HOLD:
        parts.append(HOLD_REASONS.get(outcome.reason, ""))
        if outcome.waiting_for is not None:
            parts.append(WAITING_FOR.get(outcome.waiting_for, ""))
    if outcome.rest_today:
        parts.append(
            f"At your next check-in you'll carry on from: <b>{stage_name(outcome.new_stage)}</b>."
        )
    elif day_plan is not None:
        parts.append(f"\n{day_plan_text(day_plan)}")
    else:
        instruction = STAGE_INSTRUCTIONS[outcome.new_stage]
        parts.append(f"<b>{stage_name(outcome.new_stage)}:</b> {instruction}")
    return "\n".join(part for part in parts if part)


def all_texts() -> list[str]:
    """Every text in this module, for content checks."""
    texts = [
        ANTI_INFLAMMATORY_NOTE,
        PREVENTION,
        ASK_PAIN,
        ASK_YESTERDAY,
        ASK_WARNING_SIGN,
        RED_FLAG,
        RED_FLAG_CHEST,
        SEVERE_PAIN,
        PHYSIO_SUGGESTION,
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
