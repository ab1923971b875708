"""Slash commands: one registry (name, arguments, help, handler) that every adapter takes its commands from."""
