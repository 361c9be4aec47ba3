"""A worker process for the multi-process tests: deliver what is due at NOW, then exit.

Usage: python tests/worker_process.py DATABASE_URL SLACK_BASE_URL NOW_ISO WORKER_ID
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.engine import Database
from integrations.bootstrap import Gateways
from integrations.slack.web import WebSlackGateway, make_client
from services.delivery.worker import deliver_due
from tests.fake_servers import SLACK_TOKEN


def main() -> None:
    url, base, now, wid = sys.argv[1:5]
    db = Database.from_url(url)
    gateway = WebSlackGateway(make_client(SLACK_TOKEN, base, timeout_seconds=10), pace_seconds=0)
    report = deliver_due(
        db, Gateways(slack=gateway), datetime.fromisoformat(now), wid=wid, batch_size=2
    )
    print(report.sent)


if __name__ == "__main__":
    main()
