"""Per-site crawl options from a TOML file (``wrmine crawl --config sites.toml``).

One table per host under ``[sites]``; a host also matches its subdomains, the longest match wins::

    [sites."www.example.gov.cn"]
    link_selector = "div.list li a"     # CSS selector of the article links on a list page
    next_selector = "a.next"            # CSS selector of the pagination links (optional)
    encoding = "gb18030"                # overrides the HTTP header charset (the page lies)
    delay = 2.0                         # seconds between requests to this host
    follow_hosts = ["static.example.gov.cn"]   # other hosts whose article links are followed

Unknown keys are an error that lists the valid ones, so a typo does not silently do nothing.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields


class SiteConfigError(ValueError):
    """The TOML file cannot be used; the message names the file, the site and the fix."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Options for one host; the defaults are the crawler's heuristics."""

    host: str = ""
    link_selector: str | None = field(default=None, metadata={"help": "CSS selector of article links on list pages."})
    next_selector: str | None = field(default=None, metadata={"help": "CSS selector of pagination links on list pages."})
    encoding: str | None = field(default=None, metadata={"help": "Charset that overrides the HTTP header."})
    delay: float | None = field(default=None, metadata={"help": "Seconds between requests to this host."})
    follow_hosts: tuple[str, ...] = field(default=(), metadata={"help": "Other hosts whose links are followed."})


OPTION_NAMES = tuple(f.name for f in fields(SiteConfig) if f.name != "host")
DEFAULT_SITE = SiteConfig()


def parse_sites(data: dict, source: str = "<config>") -> dict[str, SiteConfig]:
    """Site tables of a parsed TOML document → host → SiteConfig.

    >>> parse_sites({"sites": {"WWW.Gov.cn": {"delay": 2}}})["www.gov.cn"].delay
    2.0
    """
    unknown_top = set(data) - {"sites"}
    if unknown_top:
        raise SiteConfigError(f"{source}: unknown top-level key(s) {sorted(unknown_top)}; "
                              "put per-site options under [sites.\"host\"]")
    sites = {}
    for host, options in (data.get("sites") or {}).items():
        if not isinstance(options, dict):
            raise SiteConfigError(f"{source}: [sites.{host!r}] must be a table of options")
        unknown = set(options) - set(OPTION_NAMES)
        if unknown:
            raise SiteConfigError(f"{source}: unknown option(s) {sorted(unknown)} for site {host!r}. "
                                  f"Options: {', '.join(OPTION_NAMES)}")
        try:
            config = SiteConfig(
                host=host.lower(),
                link_selector=_opt_str(options.get("link_selector")),
                next_selector=_opt_str(options.get("next_selector")),
                encoding=_opt_str(options.get("encoding")),
                delay=None if options.get("delay") is None else float(options["delay"]),
                follow_hosts=tuple(h.lower() for h in options.get("follow_hosts", ())),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise SiteConfigError(f"{source}: bad value for site {host!r}: {exc}") from None
        sites[config.host] = config
    return sites


def load_sites(path: str | None) -> dict[str, SiteConfig]:
    """Read a sites TOML file (no path → no per-site options)."""
    if not path:
        return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteConfigError(f"{path}: {exc}") from None
    return parse_sites(data, path)


def site_for(sites: dict[str, SiteConfig], host: str) -> SiteConfig:
    """The config for ``host`` (``host[:port]`` accepted): exact host, else the longest parent
    domain listed, else the defaults.

    >>> site_for({"gov.cn": SiteConfig(host="gov.cn", delay=3.0)}, "www.gov.cn:8080").delay
    3.0
    """
    name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else host.lower()
    labels = name.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in sites:
            return sites[candidate]
    return DEFAULT_SITE


def _opt_str(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value
