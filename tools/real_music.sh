#!/usr/bin/env bash
# Real recorded music for the musical-sync benchmark, from Debian packages (freely licensed; never
# committed to this repository):
#   nexuiz-music                 electronic / industrial game soundtrack, GPL-2+ (Alientrap)
#   fretsonfire-songs-muldjord   four metal songs by Muldjord, CC BY-SA 3.0 (El Senator)
# Installs them with apt when run as root, unpacks the Nexuiz tracks into $VJHOST_MUSIC
# (default ~/.cache/vjhost/music) and prints one audio path per line.
#
#   bash tools/real_music.sh                      # list the tracks
#   .venv/bin/vjhost pack sync ikeda $(bash tools/real_music.sh | head -3) --seconds 30 --start 30
set -euo pipefail
dest=${VJHOST_MUSIC:-$HOME/.cache/vjhost/music}
pkgs="nexuiz-music fretsonfire-songs-muldjord unzip"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "real_music: please install as root:$missing" >&2
    exit 1
  fi
  echo "real_music: installing$missing" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
pk3=/usr/share/games/nexuiz/data/music.pk3
if [ ! -d "$dest/nexuiz" ]; then
  mkdir -p "$dest/nexuiz.tmp"
  unzip -q -o "$pk3" 'sound/cdtracks/*' -d "$dest/nexuiz.tmp"
  mv "$dest/nexuiz.tmp" "$dest/nexuiz"
fi
find "$dest/nexuiz" -name '*.ogg' | sort
find /usr/share/games/fretsonfire/data/songs/muldjord -name song.ogg | sort
