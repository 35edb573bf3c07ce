"""The review model, the session that drives it, and the review file store."""
