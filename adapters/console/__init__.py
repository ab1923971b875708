"""The console adapter: a local channel in the terminal on the same core, commands and texts as Slack and Discord."""
