"""microdose: honest measurement for psilocybin microdosing."""

__version__ = "0.1.0"
