"""Every ORM table, one module per table; importing this package registers them all."""

from hireboard.models.base import Base

__all__ = ["Base"]
