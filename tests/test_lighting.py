"""The lighting desk output: ArtDmx packets and OSC messages received on 127.0.0.1, byte for byte; the mapping file."""

from __future__ import annotations

import socket
import textwrap

import numpy as np
import pytest

from vjhost.output.artnet import ArtDmx, parse_artdmx, port_address
from vjhost.output.lighting import LightingOutput, MappingError, load_mapping
from vjhost.protocols import Features, OutputFrame

PALETTE = np.array([[219, 13, 20], [250, 209, 5], [26, 56, 204]], np.uint8)


def _listen() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2.0)
    return s


def _mapping(tmp_path, art_port: int, osc_port: int) -> str:
    p = tmp_path / "rig.toml"
    p.write_text(textwrap.dedent(f"""
        schema_version = 1
        rate = 44

        [artnet]
        host = "127.0.0.1"
        port = {art_port}
        net = 1
        subnet = 2
        universe = 3

        [[artnet.channels]]
        channel = 1
        value = "beat"

        [[artnet.channels]]
        channel = 2
        rgb = "palette.beat"
        dimmer = "bass"

        [[artnet.channels]]
        channel = 5
        value = "bar_phase"
        fine = true

        [[artnet.channels]]
        channel = 7
        value = "drop"
        range = [10, 200]

        [osc]
        host = "127.0.0.1"
        port = {osc_port}
        prefix = "/club"
        send = ["beat", "bar_phase", "bands", "drop", "palette"]
    """))
    return str(p)


def test_artdmx_header_is_the_art_net_4_layout():
    pkt = ArtDmx(port_address(net=1, subnet=2, universe=3), length=7)
    pkt.data[:3] = [1, 2, 3]
    pkt.next_sequence()
    b = bytes(pkt.packet)
    assert b[:8] == b"Art-Net\x00"
    assert b[8:10] == b"\x00\x50"  # OpDmx 0x5000, low byte first
    assert b[10:12] == b"\x00\x0e"  # ProtVer 14, high byte first
    assert b[12] == 1 and b[13] == 0  # sequence 1..255, physical
    assert b[14] == 0x23 and b[15] == 0x01  # SubUni = subnet << 4 | universe, Net
    assert b[16:18] == b"\x00\x08"  # length high byte first, rounded up to even
    assert b[18:] == bytes([1, 2, 3, 0, 0, 0, 0, 0]) and len(b) == 26
    for _ in range(254):
        pkt.next_sequence()
    assert pkt.sequence == 255
    assert pkt.next_sequence() == 1  # rolls over to 1: 0 means "no sequence"


def test_lights_are_received_on_loopback_byte_for_byte(tmp_path):
    art, osc = _listen(), _listen()
    out = LightingOutput(_mapping(tmp_path, art.getsockname()[1], osc.getsockname()[1]), clock=lambda: 100.0)
    f = Features(beat=True, beat_count=5, beat_phase=0.0, bar_phase=0.25, bass=0.5, section="drop",
                 bands=np.linspace(0, 0.7, 8).astype(np.float32))
    out.send(OutputFrame(features=f, pack="kusama", palette=PALETTE))

    got = parse_artdmx(art.recv(1024))
    assert got["address"] == (1 << 8) | (2 << 4) | 3
    assert got["sequence"] == 1
    d = got["data"]
    assert len(d) == 8  # channels 1..7, rounded up to even
    assert d[0] == 255  # beat
    colour = PALETTE[5 % 3]  # palette.beat: beat 5 of a three-colour palette
    assert list(d[1:4]) == [round(c / 255 * 0.5 * 255) for c in colour]  # dimmed by the bass
    q = round(0.25 * 65535)
    assert (d[4], d[5]) == (q >> 8, q & 0xFF)  # 16-bit bar phase, coarse then fine
    assert d[6] == 200  # drop, in its range [10, 200]

    from pythonosc.osc_message import OscMessage

    msgs = {}
    while True:
        try:
            m = OscMessage(osc.recv(4096))
        except socket.timeout:
            break
        msgs[m.address] = m.params
        if len(msgs) >= 5:
            break
    assert msgs["/club/beat"] == [5]
    assert msgs["/club/drop"] == [1]
    assert msgs["/club/bar_phase"] == [pytest.approx(0.25)]
    assert msgs["/club/bands"] == pytest.approx([float(x) for x in np.linspace(0, 0.7, 8).astype(np.float32)])
    assert msgs["/club/palette"] == [int(x) for x in PALETTE.reshape(-1)]

    # between beats, nothing until the rate says so; a beat goes at once
    art.settimeout(0.2)
    between = Features(beat_count=5, beat_phase=0.5, bar_phase=0.375)
    out.send(OutputFrame(features=between, pack="kusama", palette=PALETTE))
    with pytest.raises(socket.timeout):
        art.recv(1024)
    out.send(OutputFrame(features=Features(beat=True, beat_count=6, bar_phase=0.5), pack="kusama", palette=PALETTE))
    assert parse_artdmx(art.recv(1024))["sequence"] == 2
    out.close()
    art.close()
    osc.close()


def test_nobody_listening_never_raises(tmp_path):
    s = _listen()
    port = s.getsockname()[1]
    s.close()  # a desk that is not there (ICMP port unreachable on loopback)
    out = LightingOutput(_mapping(tmp_path, port, port))
    t = [0.0]
    out.clock = lambda: t[0]
    for i in range(5):
        t[0] += 0.1
        out.send(OutputFrame(features=Features(beat=True, beat_count=i), palette=PALETTE))
    out.close()


def test_a_bad_mapping_file_names_every_problem_with_its_line(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(textwrap.dedent("""\
        schema_version = 1
        rate = 500

        [artnet]
        host = "10.0.0.255"
        universe = 16

        [[artnet.channels]]
        channel = 1
        value = "beet"

        [[artnet.channels]]
        channel = 511
        rgb = "palette.beat"

        [[artnet.channels]]
        channel = 1
        value = "bass"

        [osc]
        send = ["beat", "nope"]
    """))
    with pytest.raises(MappingError) as e:
        load_mapping(p)
    text = str(e.value)
    assert f"{p}:2: rate: 500.0: packets per second must be 1..240" in text
    assert f"{p}:5: artnet.host: 10.0.0.255 is a broadcast address" in text
    assert f"{p}:6: artnet.universe: 16 out of range 0..15" in text
    assert f"{p}:10: artnet.channels.0.value: unknown value 'beet'" in text and "did you mean 'beat'?" in text
    assert f"{p}:13: artnet.channels.1.channel: channel 511 (to 513) out of range 1..512" in text
    assert "artnet.channels.2.channel: DMX channel 1 is already driven by channels entry 0" in text
    assert "osc.send: entry 1: unknown 'nope'" in text
    p.write_text("schema_version = 1\n")
    with pytest.raises(MappingError, match="nothing to send: add an \\[artnet\\] table, an \\[osc\\] table"):
        load_mapping(p)
    p.write_text("schema_version = 1\n[osc\n")
    with pytest.raises(MappingError, match=f"{p}:2"):
        load_mapping(p)


def test_the_documented_mapping_loads(tmp_path):
    """docs/outputs.md's example mapping file is valid as printed."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "outputs.md").read_text()
    block = re.search(r"```toml file=rig.toml\n(.*?)```", doc, re.S).group(1)
    (tmp_path / "rig.toml").write_text(block)
    m = load_mapping(tmp_path / "rig.toml")
    assert [c.channel for c in m.channels] == [1, 2, 5, 7] and m.osc_host == "127.0.0.1"


def test_lights_output_cli_rejects_a_bad_mapping_before_the_show(tmp_path, capsys):
    from vjhost.cli import main

    p = tmp_path / "rig.toml"
    p.write_text("schema_version = 1\n[artnet]\nchannels = [{channel = 600, value = \"beat\"}]\n")
    assert main(["run", "--output", f"lights={p}", "--seconds", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{p}:" in err and "channel 600 out of range 1..512" in err
