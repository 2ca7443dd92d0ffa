"""The warning signs screened for before any self-care advice, and where each comes from.

The source article names one (cramps in many muscles at once). The others are safety
screening from reputable sources, named beside each sign. A red flag that needs medical help
now or today stops the self-care flow: the person is sent to emergency or urgent help instead.
A sign that only needs a doctor soon is said, and the relief steps go on.
"""

from __future__ import annotations

from enum import StrEnum


class RedFlag(StrEnum):
    # NHS, "DVT symptoms": chest pain or breathlessness may mean a clot has reached the lungs.
    CHEST_PAIN_BREATHLESS = "chest"
    # Journal of Athletic Training 2021 consensus on exercise-associated muscle cramps (Miller
    # et al., table 1) and CDC "Heat-related illness": confusion, fainting or collapse, vomiting
    # or dark urine with cramps point to heat illness, rhabdomyolysis or low blood sodium.
    CONFUSED_FAINT_VOMITING = "unwell"
    # CDC "Heat-related illness": very hot skin or a body temperature of 39.4 °C (103 °F) or
    # more, with or without confusion, is heat stroke. Do not give a confused person drinks.
    HEAT_STROKE = "hot"
    # Source article: cramps in all muscles at once come with low electrolyte levels and are a
    # medical emergency, not an isolated calf cramp.
    MANY_MUSCLES = "many"
    # Sports physiotherapy guidance; NHS "Achilles tendon rupture": a pop or snap, a feeling of
    # being kicked, being unable to push off or stand on tiptoe, or bruising suggest a tear.
    POP_OR_TEAR = "tear"
    # NHS, "DVT symptoms": one calf swollen, warm and red, with a heavy ache, may be a clot.
    ONE_SIDED_SWELLING = "clot"
    # Mayo Clinic, "Compartment syndrome": pain far beyond what the injury explains, numbness,
    # pale skin, or pain when the toes are moved is an emergency.
    COMPARTMENT = "compartment"
    # Reviews of exercise-associated hyponatraemia (e.g. Hew-Butler et al., Clin J Sport Med
    # 2015 consensus): puffy hands, a worsening headache and nausea after drinking a lot during
    # endurance exercise mean low blood sodium. Never advise drinking more.
    LOW_SODIUM = "sodium"
    # Merck Manual, "Muscle cramps": cramps with weakness, loss of feeling or twitching, after
    # heavy fluid loss, or since starting new medicines (statins, diuretics) have another cause.
    OTHER_CAUSE = "cause"


class Urgency(StrEnum):
    EMERGENCY = "emergency"  # call the emergency number now
    URGENT_TODAY = "urgent"  # get assessed today
    DOCTOR_SOON = "soon"  # see a doctor in the coming days; relief goes on meanwhile


URGENCY: dict[RedFlag, Urgency] = {
    RedFlag.CHEST_PAIN_BREATHLESS: Urgency.EMERGENCY,
    RedFlag.CONFUSED_FAINT_VOMITING: Urgency.EMERGENCY,
    RedFlag.HEAT_STROKE: Urgency.EMERGENCY,
    RedFlag.MANY_MUSCLES: Urgency.EMERGENCY,
    RedFlag.COMPARTMENT: Urgency.EMERGENCY,
    RedFlag.LOW_SODIUM: Urgency.EMERGENCY,
    RedFlag.POP_OR_TEAR: Urgency.URGENT_TODAY,
    RedFlag.ONE_SIDED_SWELLING: Urgency.URGENT_TODAY,
    RedFlag.OTHER_CAUSE: Urgency.DOCTOR_SOON,
}

# Signs after which standing on the leg is wrong: the person sits or lies down instead of the
# article's "stop but keep weight on the foot" (fainting, chest pain, a whole-body emergency, a
# suspected tear, a limb that may be losing its blood supply).
SIT_OR_LIE_DOWN: frozenset[RedFlag] = frozenset(
    {
        RedFlag.CHEST_PAIN_BREATHLESS,
        RedFlag.CONFUSED_FAINT_VOMITING,
        RedFlag.HEAT_STROKE,
        RedFlag.MANY_MUSCLES,
        RedFlag.POP_OR_TEAR,
        RedFlag.COMPARTMENT,
        RedFlag.LOW_SODIUM,
    }
)

# The first screen: the commonest and the most dangerous signs, one tap each.
SCREEN_ORDER: tuple[RedFlag, ...] = (
    RedFlag.CHEST_PAIN_BREATHLESS,
    RedFlag.CONFUSED_FAINT_VOMITING,
    RedFlag.HEAT_STROKE,
    RedFlag.MANY_MUSCLES,
    RedFlag.POP_OR_TEAR,
)
# The second screen, behind "More warning signs": rarer, but never missed.
MORE_SIGNS_ORDER: tuple[RedFlag, ...] = (
    RedFlag.ONE_SIDED_SWELLING,
    RedFlag.COMPARTMENT,
    RedFlag.LOW_SODIUM,
    RedFlag.OTHER_CAUSE,
)


def ends_self_care(flag: RedFlag) -> bool:
    """Whether the sign sends the person to help now, ending the relief steps."""
    return URGENCY[flag] is not Urgency.DOCTOR_SOON
