"""One router per resource: replays, sharing (and the public side), annotations, live, session,
system."""
