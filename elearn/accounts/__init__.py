"""Users, roles, expert networks, training centres and personal access tokens."""
