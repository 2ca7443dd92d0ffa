"""The operator's commands (``python -m bot check``, ``backup``, ``restore``) and the run lock
that keeps a restore and a running bot apart."""
