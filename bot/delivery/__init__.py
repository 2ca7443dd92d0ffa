"""Getting updates in and replies out: the update inbox and polling, the per-chat update
processor, the transport, the rate limiter and its send window, transient errors, the reply
log."""
