"""Where browser tests leave the README's screenshots (docs/screenshots/): every run of
the browser tests takes them again, so the README shows the pages as they are."""
from foundation.settings import ROOT

README_SHOTS = ROOT / "docs" / "screenshots"


def readme_shot(name: str) -> str:
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    return str(README_SHOTS / name)
