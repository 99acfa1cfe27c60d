"""Root of the errors raised by the composition root and the command line."""


class FiregridError(Exception):
    """Something the operator must fix (configuration, environment); printed without traceback."""
