"""The header's menu in browser tests: on a phone its links are behind the "Menu" button (static/js/nav.js)."""

from __future__ import annotations


def open_menu(page) -> None:
    """Open the header's menu when it is folded (a phone-sized page); on a desktop it is always open."""
    toggle = page.locator("[data-nav] .nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def open_staff_group(page) -> None:
    """Open the menu, then its staff group."""
    open_menu(page)
    group = page.locator("[data-nav-group]")
    if group.count() and group.get_attribute("open") is None:
        group.locator("summary").click()


def click_in_menu(page, name: str, *, role: str = "link") -> None:
    """Click the header's link (or button) ``name``, opening the menu and, for a staff link, its group first."""
    open_menu(page)
    target = page.locator("[data-nav]").get_by_role(role, name=name, exact=True)
    if not target.count():
        open_staff_group(page)
    target.click()
