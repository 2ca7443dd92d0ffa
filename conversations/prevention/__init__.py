"""The prevention programme after recovery (conversations.prevention.*)."""
