"""/docs and /redoc load nothing from the internet: a city network may have none."""

import re

from events.contracts import SERVICES
from support.suite import suite_of

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*["']([^"']+)["']""")


async def test_every_services_api_pages_load_only_what_the_service_itself_serves(settings_for, db):
    async with suite_of(settings_for, *SERVICES, broker=False) as suite:
        for service, client in suite.clients.items():
            for page in ("/docs", "/redoc"):
                html = await client.get(page)
                assert html.status_code == 200, (service, page)
                assets = [a or b for a, b in ASSET.findall(html.text)]
                assert assets, (service, page)
                for asset in assets:
                    assert asset.startswith("/"), f"{service}{page} loads {asset} from elsewhere"
                    assert (await client.get(asset)).status_code == 200, (service, page, asset)
