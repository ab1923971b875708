"""The scheduler: APScheduler 3 behind a small facade, calling the core's posting use cases."""
