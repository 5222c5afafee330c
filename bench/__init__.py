"""`make bench`: leadwire's performance figures, each measured beside its floor in one run."""
