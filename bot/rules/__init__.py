"""Pure domain rules: no database, no clock, no I/O. Each is a function of its inputs."""
