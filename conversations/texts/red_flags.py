"""Texts of the red-flag screen and of the help it sends people to.

Sources are named beside each sign in ``rules.red_flags``.
"""

from rules.red_flags import RedFlag

BUTTON_LABELS: dict[RedFlag, str] = {
    RedFlag.MANY_MUSCLES: "Cramps in several muscles at once",
    RedFlag.CONFUSED_FAINT_VOMITING: "Confused, fainted or vomiting",
    RedFlag.CHEST_PAIN_BREATHLESS: "Chest pain or short of breath",
    RedFlag.POP_OR_TEAR: "Felt a pop, or can't stand on tiptoe",
    RedFlag.ONE_SIDED_SWELLING: "One calf swollen, warm or red",
}

GUIDANCE: dict[RedFlag, str] = {
    RedFlag.MANY_MUSCLES: (
        "🚨 <b>Call {number} now.</b>\n\n"
        "Cramping in several muscles at once is not an ordinary exercise cramp: it needs "
        "emergency care. Stop, sit somewhere safe and keep someone with you until help arrives."
    ),
    RedFlag.CONFUSED_FAINT_VOMITING: (
        "🚨 <b>Call {number} now.</b>\n\n"
        "Cramps with confusion, fainting or vomiting can be heat illness or another emergency. "
        "Move into the shade, stop exercising and stay with someone. Don't give drinks to "
        "anyone who is confused or drowsy."
    ),
    RedFlag.CHEST_PAIN_BREATHLESS: (
        "🚨 <b>Call {number} now.</b>\n\n"
        "Chest pain or breathlessness needs emergency help straight away. Stop, sit down and "
        "keep someone with you."
    ),
    RedFlag.POP_OR_TEAR: (
        "⚠️ <b>This may be a torn muscle or tendon, not a cramp.</b>\n\n"
        "Stop, don't stretch it and don't run on it. Get it checked today at urgent care or an "
        "emergency department. If the pain is severe, call <b>{number}</b>."
    ),
    RedFlag.ONE_SIDED_SWELLING: (
        "⚠️ <b>One swollen, warm or red calf needs a doctor today.</b>\n\n"
        "It can be a blood clot. Don't massage or stretch it, and get seen the same day. "
        "If you become short of breath or get chest pain, call <b>{number}</b> at once."
    ),
}
