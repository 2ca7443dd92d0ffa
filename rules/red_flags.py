"""The warning signs screened for before any self-care advice, and where each comes from.

The source article names one (cramps in many muscles at once). The others are safety
screening from reputable sources, named beside each sign. A red flag always stops the self-care
flow: the person is sent to emergency or urgent medical help instead.
"""

from __future__ import annotations

from enum import StrEnum


class RedFlag(StrEnum):
    # Source article: cramps in all muscles at once come with low electrolyte levels and are a
    # medical emergency, not an isolated calf cramp.
    MANY_MUSCLES = "many"
    # Journal of Athletic Training 2021 consensus on exercise-associated muscle cramps (Miller
    # et al., table 1) and CDC "Heat-related illness": confusion, fainting or vomiting with
    # cramps point to heat illness, rhabdomyolysis or low blood sodium.
    CONFUSED_FAINT_VOMITING = "unwell"
    # NHS, "DVT symptoms": chest pain or breathlessness may mean a clot has reached the lungs.
    CHEST_PAIN_BREATHLESS = "chest"
    # Sports physiotherapy guidance; NHS "Achilles tendon rupture": a pop, a feeling of being
    # kicked, or being unable to stand on tiptoe suggests a tear, not a cramp.
    POP_OR_TEAR = "tear"
    # NHS, "DVT symptoms": one calf swollen, warm and red may be a deep vein thrombosis.
    ONE_SIDED_SWELLING = "clot"


class Urgency(StrEnum):
    EMERGENCY = "emergency"  # call the emergency number now
    URGENT_TODAY = "urgent"  # get assessed today


URGENCY: dict[RedFlag, Urgency] = {
    RedFlag.MANY_MUSCLES: Urgency.EMERGENCY,
    RedFlag.CONFUSED_FAINT_VOMITING: Urgency.EMERGENCY,
    RedFlag.CHEST_PAIN_BREATHLESS: Urgency.EMERGENCY,
    RedFlag.POP_OR_TEAR: Urgency.URGENT_TODAY,
    RedFlag.ONE_SIDED_SWELLING: Urgency.URGENT_TODAY,
}

# The order the screen lists them in: the most dangerous first.
SCREEN_ORDER: tuple[RedFlag, ...] = (
    RedFlag.MANY_MUSCLES,
    RedFlag.CONFUSED_FAINT_VOMITING,
    RedFlag.CHEST_PAIN_BREATHLESS,
    RedFlag.POP_OR_TEAR,
    RedFlag.ONE_SIDED_SWELLING,
)
