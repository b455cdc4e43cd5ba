"""Channel adapters: each turns raw events into InboundMessage and renders outbox rows."""
