"""Coach teams: groups and channels, joining with consent, roster, alerts and digest."""
