"""Texts of the red-flag screen and of the help it sends people to.

Sources are named beside each sign in ``rules.red_flags``. The emergency number always stands
on a line of its own (``{number}``), so a phone offers to call it. Every sign in
``rules.red_flags.SIT_OR_LIE_DOWN`` tells the person to sit or lie down: it withdraws the
"stay on your feet" of the first step.
"""

from conversations.i18n.localized import localize
from rules.red_flags import RedFlag

BUTTON_LABELS: dict[RedFlag, str] = {
    RedFlag.CHEST_PAIN_BREATHLESS: "🫁 Chest pain or short of breath",
    RedFlag.CONFUSED_FAINT_VOMITING: "😵 Confused, fainted, vomiting or dark pee",
    RedFlag.HEAT_STROKE: "🔥 Very hot skin or a high temperature",
    RedFlag.MANY_MUSCLES: "⚡ Cramps in several muscles at once",
    RedFlag.POP_OR_TEAR: "💥 A pop, a kick feeling, can't go on tiptoe",
    RedFlag.ONE_SIDED_SWELLING: "🦵 One calf swollen, warm or red",
    RedFlag.COMPARTMENT: "🩸 Pain far worse than a cramp, numb or pale",
    RedFlag.LOW_SODIUM: "💧 Puffy hands, headache, sick after drinking a lot",
    RedFlag.OTHER_CAUSE: "💊 Weak or numb leg, twitching, new medicines",
}

_CALL_NOW = "🚨 <b>Call the emergency number now:</b>\n\n<b>{number}</b>\n\n"

GUIDANCE: dict[RedFlag, str] = {
    RedFlag.CHEST_PAIN_BREATHLESS: (
        _CALL_NOW + "Chest pain or breathlessness needs emergency help straight away. "
        "<b>Sit down</b> and keep someone with you."
    ),
    RedFlag.CONFUSED_FAINT_VOMITING: (
        _CALL_NOW + "Cramps with confusion, fainting, vomiting or dark urine can be heat "
        "illness, muscle breakdown or another emergency. <b>Lie down</b> in the shade, stop "
        "exercising and stay with someone. Don't give drinks to anyone who is confused or drowsy."
    ),
    RedFlag.HEAT_STROKE: (
        _CALL_NOW + "Very hot skin or a temperature of 39.4 °C or more can be heat stroke. "
        "<b>Lie down</b> in the shade, loosen clothing and cool the skin with water or wet "
        "cloths. Don't give drinks to anyone who is confused."
    ),
    RedFlag.MANY_MUSCLES: (
        _CALL_NOW + "Cramping in several muscles at once is not an ordinary exercise cramp: it "
        "needs emergency care. <b>Sit or lie down</b> somewhere safe and keep someone with you."
    ),
    RedFlag.COMPARTMENT: (
        _CALL_NOW + "Pain far beyond what a cramp causes, numbness, pale skin, or pain when you "
        "move your toes can mean the muscle is losing its blood supply. <b>Sit down</b>, don't "
        "stretch or massage it, and don't raise the leg high."
    ),
    RedFlag.LOW_SODIUM: (
        _CALL_NOW + "Puffy hands, a worsening headache and feeling sick after drinking a lot "
        "during long exercise can mean low blood sodium. <b>Sit down</b> and "
        "<b>don't drink anything more</b> until you've been checked."
    ),
    RedFlag.POP_OR_TEAR: (
        "⚠️ <b>This may be a torn muscle or tendon, not a cramp.</b>\n\n"
        "<b>Sit down</b> and take the weight off it. Don't stretch it and don't run on it. Get "
        "it checked today at urgent care or an emergency department. If the pain is severe, "
        "call:\n\n<b>{number}</b>"
    ),
    RedFlag.ONE_SIDED_SWELLING: (
        "⚠️ <b>One swollen, warm or red calf needs a doctor today.</b>\n\n"
        "It can be a blood clot. Don't massage or stretch it, and get seen the same day. "
        "If you become short of breath or get chest pain, call at once:\n\n<b>{number}</b>"
    ),
    RedFlag.OTHER_CAUSE: (
        "🩺 <b>Please see a doctor in the next few days.</b> Cramps with weakness, numbness or "
        "twitching, after losing a lot of fluid, or since starting new medicines (such as "
        "statins or water tablets) can have a cause other than tired muscles. Tell them which.\n\n"
        "Meanwhile, let's ease this cramp."
    ),
}

# The "see a doctor soon" sign answered after the cramp eased (the late check): nothing left to
# ease, so the aftercare follows instead of the relief steps.
OTHER_CAUSE_AFTER_EASING = (
    "🩺 <b>Please see a doctor in the next few days.</b> Cramps with weakness, numbness or "
    "twitching, after losing a lot of fluid, or since starting new medicines (such as statins or "
    "water tablets) can have a cause other than tired muscles. Tell them which."
)

HELPER_OTHER_CAUSE_AFTER_EASING = (
    "🩺 <b>They should see a doctor in the next few days.</b> Cramps with weakness, numbness or "
    "twitching, after losing a lot of fluid, or since starting new medicines (such as statins or "
    "water tablets) can have a cause other than tired muscles."
)

# The same signs for someone helping (the helper mode of the first screen): call, stay with them,
# and the same positions. Sources as above; "stay with them until help arrives" is the NHS and
# St John Ambulance first-aid advice for anyone calling an ambulance for someone else.
_HELPER_CALL_NOW = (
    "🚨 <b>Call the emergency number now and stay with them:</b>\n\n<b>{number}</b>\n\n"
)

HELPER_GUIDANCE: dict[RedFlag, str] = {
    RedFlag.CHEST_PAIN_BREATHLESS: (
        _HELPER_CALL_NOW + "Chest pain or breathlessness needs emergency help straight away. "
        "<b>Help them sit down</b> and keep them calm."
    ),
    RedFlag.CONFUSED_FAINT_VOMITING: (
        _HELPER_CALL_NOW + "Cramps with confusion, fainting, vomiting or dark urine can be heat "
        "illness, muscle breakdown or another emergency. <b>Help them lie down</b> in the shade. "
        "Don't give drinks to anyone who is confused or drowsy."
    ),
    RedFlag.HEAT_STROKE: (
        _HELPER_CALL_NOW + "Very hot skin or a temperature of 39.4 °C or more can be heat stroke. "
        "<b>Help them lie down</b> in the shade, loosen their clothing and cool their skin with "
        "water or wet cloths. Don't give drinks to anyone who is confused."
    ),
    RedFlag.MANY_MUSCLES: (
        _HELPER_CALL_NOW + "Cramping in several muscles at once is not an ordinary exercise "
        "cramp: it needs emergency care. <b>Help them sit or lie down</b> somewhere safe."
    ),
    RedFlag.COMPARTMENT: (
        _HELPER_CALL_NOW + "Pain far beyond what a cramp causes, numbness, pale skin, or pain "
        "when the toes move can mean the muscle is losing its blood supply. <b>Help them sit "
        "down</b>; don't stretch or massage the leg, and don't raise it high."
    ),
    RedFlag.LOW_SODIUM: (
        _HELPER_CALL_NOW + "Puffy hands, a worsening headache and feeling sick after drinking a "
        "lot during long exercise can mean low blood sodium. <b>Help them sit down</b> and "
        "<b>don't give them anything more to drink</b>."
    ),
    RedFlag.POP_OR_TEAR: (
        "⚠️ <b>This may be a torn muscle or tendon, not a cramp.</b>\n\n"
        "<b>Help them sit down</b> and keep the weight off it. Don't stretch it or let them "
        "run on it. It needs checking today at urgent care or an emergency department. If the "
        "pain is severe, call:\n\n<b>{number}</b>"
    ),
    RedFlag.ONE_SIDED_SWELLING: (
        "⚠️ <b>One swollen, warm or red calf needs a doctor today.</b>\n\n"
        "It can be a blood clot. Don't massage or stretch it; they should be seen the same day. "
        "If they become short of breath or get chest pain, call at once:\n\n<b>{number}</b>"
    ),
    RedFlag.OTHER_CAUSE: (
        "🩺 <b>They should see a doctor in the next few days.</b> Cramps with weakness, numbness "
        "or twitching, after losing a lot of fluid, or since starting new medicines (such as "
        "statins or water tablets) can have a cause other than tired muscles.\n\n"
        "Meanwhile, let's ease this cramp."
    ),
}


_here = localize(__name__)
