"""The assets REST API: one module of request and response models and routes per area."""
