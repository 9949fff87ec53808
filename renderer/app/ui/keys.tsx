import { chordsOf, describeKeys, keycapsOf } from '../shortcuts';

/**
 * A key sequence as keycaps, e.g. `g t` as [G] [T].
 *
 * Screen readers get one phrase ("G then T") instead of a list of letters.
 */
export function Keys(props: { readonly keys: string }) {
  return (
    <span className="keys" aria-label={describeKeys(props.keys)} role="img">
      {chordsOf(props.keys).map((chord, i) => (
        <span key={`${chord}-${i}`} className="keys__chord" aria-hidden="true">
          {keycapsOf(chord).map((cap) => (
            <kbd key={cap}>{cap}</kbd>
          ))}
        </span>
      ))}
    </span>
  );
}
