"""A profile's badge in templates: its address, and the link-preview tags (Open Graph) of a page that shows it."""

from django import template
from django.urls import reverse

from profiles.badges import badge_url

register = template.Library()


@register.simple_tag
def badge_src(code: str, ext: str = "svg") -> str:
    """The badge's address on this site, for an ``<img>``."""
    return reverse("profiles:badge", kwargs={"code": code, "ext": ext})


@register.inclusion_tag("profiles/_badge_meta.html")
def badge_meta(code: str, title: str, image_only: bool = False) -> dict:
    """Open Graph tags naming the badge's PNG as the page's image, so that a shared link (LinkedIn, messaging
    apps) shows the badge: absolute address, size and alternative text. ``image_only`` for a page that gives its
    own title and card (the public credential page)."""
    return {"image": badge_url(code, "png"), "title": title, "image_only": image_only}
