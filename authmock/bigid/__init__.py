"""The BigID authentication API: deployments, users, user/session/system tokens."""
