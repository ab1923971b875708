"""The Discord adapter: gateway events and interactions in, embeds and views out, on discord.py.

- ``translate``: Discord payload shapes to core events and command text, button ids (pure).
- ``render``: core messages to embeds within Discord's limits (pure).
- ``tree``: the slash commands, built from the core's registry.
- ``buttons``: the core's buttons as components, and the one persistent item that answers them.
- ``bridge``: interactions and reactions to ``Core.handle``, in time, with failures logged and answered.
- ``responses`` and ``port``: the core's ChatPort over Discord (interaction replies, DMs, threads, posts).
- ``errors``: Discord failures as ``PlatformError``.
- ``client``, ``runner``, ``cli``: the discord.py client, starting it from settings, ``studybot discord``.
- ``invite``: the OAuth2 URL that adds the bot to a server.
"""
