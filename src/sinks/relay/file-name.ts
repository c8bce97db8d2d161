/**
 * The file name a relayed image, audio, video or file carries. Targets show it to recipients (Easemob's
 * clients show no name without `filename`), and a source often has none for images: then the last
 * segment of the URL's path when it looks like a file name, else `<kind>.<format>` (`jpg` when the
 * format is unknown). At most 128 characters.
 */
export function fileNameOf(kind: string, url: string, name?: string, format?: string): string {
  if (name !== undefined && name.trim() !== '') return name.slice(0, 128);
  const fromUrl = lastSegment(url);
  if (fromUrl !== undefined) return fromUrl.slice(-128);
  const extension = format !== undefined && /^[a-z0-9]{2,5}$/i.test(format) ? format.toLowerCase() : 'jpg';
  return `${kind}.${extension}`;
}

/** The URL path's last segment, decoded, when it has a name and an extension (`a.jpg`, not `download`). */
function lastSegment(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const raw = path.slice(path.lastIndexOf('/') + 1);
  let segment = raw;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    // not percent-encoded UTF-8: keep it as it is
  }
  const printable = [...segment].every((char) => char >= ' ' && char !== '\u007f');
  return printable && /^[^/\\]+\.[A-Za-z0-9]{1,8}$/.test(segment) ? segment : undefined;
}
