"""The Slack adapter: slack-bolt's AsyncApp over Socket Mode or HTTP, translating to and from the core."""
