"""Storage: one interface (:class:`~vibecast.store.base.Store`), SQLite and PostgreSQL backends."""
