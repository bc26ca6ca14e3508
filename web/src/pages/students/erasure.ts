// Erasure cannot be undone, so the button only arms when the student's name is
// typed out (as GitHub asks for a repository's name). Spaces around and between
// words are forgiven, letters are not: a near miss is a sign of the wrong student.
function normalise(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ');
}

export function erasureConfirmed(name: string, typed: string): boolean {
  const want = normalise(name);
  return want.length > 0 && normalise(typed) === want;
}
