"""scenarios: agent-based scenario modelling of international politics."""
__version__ = "0.1.0"
