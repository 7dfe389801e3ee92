// Reading a JWT's header and claims for display. No verification: the mock does that.

function decodePart(part) {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** {header, claims} of a JWT, or null when it is not one. */
export function decodeJwt(token) {
  const parts = String(token).split(".");
  if (parts.length !== 3) return null;
  try {
    return { header: decodePart(parts[0]), claims: decodePart(parts[1]) };
  } catch {
    return null;
  }
}
