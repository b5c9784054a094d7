"""Art-Net 4 ArtDmx packets: DMX512 over UDP to a lighting node or desk.

An ArtDmx packet (Art-Net 4 specification, "ArtDmx"), all on UDP port 6454::

    offset  size  field
    0       8     ID "Art-Net" and a zero byte
    8       2     OpCode OpDmx = 0x5000, low byte first (00 50)
    10      2     ProtVer 14, high byte first (00 0e)
    12      1     Sequence 1..255 (rolls over 255 -> 1; 0 = not used)
    13      1     Physical: the input port the data came from (informational, 0)
    14      1     SubUni: low byte of the 15-bit Port-Address (sub-net << 4 | universe)
    15      1     Net: top 7 bits of the Port-Address
    16      2     Length of the data, high byte first: even, 2..512
    18      n     the DMX slots (channel 1 first), without the start code

:class:`ArtDmx` keeps one packet buffer and rewrites only the sequence and the
data in place (nothing allocated per packet).
"""

from __future__ import annotations

import socket

import numpy as np

PORT = 6454
ID = b"Art-Net\x00"
OP_DMX = 0x5000
PROT_VER = 14
HEADER = 18


def port_address(net: int = 0, subnet: int = 0, universe: int = 0) -> int:
    """The 15-bit Port-Address: Net (0..127) << 8 | Sub-Net (0..15) << 4 | Universe (0..15)."""
    if not (0 <= net <= 127 and 0 <= subnet <= 15 and 0 <= universe <= 15):
        raise ValueError(f"net {net} (0..127), subnet {subnet} (0..15), universe {universe} (0..15)")
    return net << 8 | subnet << 4 | universe


def dmx_length(channels: int) -> int:
    """The ArtDmx data length for the highest channel used: even, 2..512."""
    if not 1 <= channels <= 512:
        raise ValueError(f"{channels} DMX channels: 1..512")
    return max(2, channels + (channels & 1))


class ArtDmx:
    """One universe's ArtDmx packet, ready to send; :attr:`data` is the DMX slots (write into it)."""

    def __init__(self, address: int, length: int = 512) -> None:
        if not 0 <= address < 1 << 15:
            raise ValueError(f"Port-Address {address}: 0..32767")
        length = dmx_length(length)
        self.address = address
        self.packet = bytearray(HEADER + length)
        p = self.packet
        p[0:8] = ID
        p[8], p[9] = OP_DMX & 0xFF, OP_DMX >> 8  # low byte first
        p[10], p[11] = PROT_VER >> 8, PROT_VER & 0xFF  # high byte first
        p[12] = 0
        p[13] = 0
        p[14] = address & 0xFF  # SubUni
        p[15] = (address >> 8) & 0x7F  # Net
        p[16], p[17] = length >> 8, length & 0xFF
        self.data = np.frombuffer(memoryview(self.packet)[HEADER:], np.uint8)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = self.sequence % 255 + 1  # 1..255, never 0 (0 means "no sequence")
        self.packet[12] = self.sequence
        return self.sequence


def parse_artdmx(packet: bytes) -> dict:
    """Read an ArtDmx packet back (tests, and a receiver's sanity check); raises ``ValueError`` if it is not one."""
    if len(packet) < HEADER + 2 or packet[:8] != ID:
        raise ValueError("not an Art-Net packet")
    op = packet[8] | packet[9] << 8
    if op != OP_DMX:
        raise ValueError(f"OpCode {op:#06x}, not OpDmx")
    ver = packet[10] << 8 | packet[11]
    length = packet[16] << 8 | packet[17]
    if ver < PROT_VER or length % 2 or not 2 <= length <= 512 or len(packet) != HEADER + length:
        raise ValueError(f"bad ArtDmx: version {ver}, length {length}, {len(packet)} bytes")
    return {"version": ver, "sequence": packet[12], "physical": packet[13],
            "address": (packet[15] & 0x7F) << 8 | packet[14], "data": bytes(packet[HEADER:])}


def udp_socket(broadcast: bool = False) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if broadcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setblocking(False)  # a full send buffer drops a packet, never stalls a frame
    return s
