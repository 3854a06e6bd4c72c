#!/usr/bin/python3
"""A desktop notification service for tests, on the session bus of the test run.

It owns org.freedesktop.Notifications (the freedesktop notification spec), appends every
Notify call as a JSON line to LOG, and "clicks" (emits ActionInvoked with the notification's
"default" action, then NotificationClosed) every notification whose summary holds CLICK, after
a short wait: what a person clicking the notification does.

usage: fake-notifyd.py LOG [CLICK]
"""
import json
import sys

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""
PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"
log_path = sys.argv[1]
click = sys.argv[2] if len(sys.argv) > 2 else None
state = {"next": 0}


def emit(conn, name, args):
    conn.emit_signal(None, PATH, IFACE, name, args)
    return False


def on_call(conn, sender, path, iface, method, params, invocation):
    if method == "Notify":
        app, _replaces, _icon, summary, body, actions, _hints, timeout = params.unpack()
        state["next"] += 1
        nid = state["next"]
        with open(log_path, "a") as f:
            f.write(json.dumps({"id": nid, "app": app, "summary": summary, "body": body,
                                "actions": actions, "timeout": timeout}) + "\n")
        invocation.return_value(GLib.Variant("(u)", (nid,)))
        if click and click in summary and "default" in actions[0::2]:
            GLib.timeout_add(800, emit, conn, "ActionInvoked", GLib.Variant("(us)", (nid, "default")))
            GLib.timeout_add(900, emit, conn, "NotificationClosed", GLib.Variant("(uu)", (nid, 2)))
    elif method == "CloseNotification":
        invocation.return_value(None)
        emit(conn, "NotificationClosed", GLib.Variant("(uu)", (params.unpack()[0], 3)))
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["actions", "body"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("fake-notifyd", "tbdesk tests", "1", "1.2")))


def on_bus(conn, _name):
    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    conn.register_object(PATH, info, on_call, None, None)


def on_name(_conn, _name):
    with open(log_path, "a") as f:
        f.write(json.dumps({"ready": True}) + "\n")


def on_lost(_conn, _name):
    sys.exit("fake-notifyd: could not own org.freedesktop.Notifications")


Gio.bus_own_name(Gio.BusType.SESSION, IFACE, Gio.BusNameOwnerFlags.NONE, on_bus, on_name, on_lost)
GLib.MainLoop().run()
