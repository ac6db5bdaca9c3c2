"""The training service's REST API: orientations and the training policy, the course catalogue, sessions."""
