"""The heat warning before training: /heat (``flow``), a team's warning (``team``), and the
warning the scheduler queues (``warning``)."""
