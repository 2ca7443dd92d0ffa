"""The recovery plan's Telegram side: set-up, commands, the daily check-in and the chart."""
