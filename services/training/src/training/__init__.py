"""Staff training: requests, sessions and attendance."""
