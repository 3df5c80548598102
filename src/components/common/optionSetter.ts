/**
 * Returns a setter of one option of an options object that removes the
 * option when it is emptied, so a saved query holds only what was chosen.
 */
export function optionSetter<T extends object>(options: T, onChange: (next: T) => void) {
  return <K extends keyof T>(key: K, value: T[K]) => {
    const next = { ...options, [key]: value };
    if (value === undefined || value === '' || value === false) {
      delete next[key];
    }
    onChange(next);
  };
}
