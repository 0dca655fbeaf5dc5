"""A corpus of hostile and broken submissions, each paired with the outcome it must get."""
