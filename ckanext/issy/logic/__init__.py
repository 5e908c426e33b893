"""Actions, auth functions and validators shared across the features."""
