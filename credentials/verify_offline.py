"""``python -m credentials.verify_offline``: the offline verifier's command (credentials/verification/offline.py),
at the name docs/verification.md has always given it."""

import sys

from credentials.verification.offline import main

if __name__ == "__main__":
    sys.exit(main())
