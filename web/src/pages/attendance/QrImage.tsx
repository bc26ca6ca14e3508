// A QR code drawn in the browser (qrcode → PNG data URL; the CSP allows data: images).
// The encoded text is also on the element (`data-qr-text`) for tests and assistive tools.
import { Center, Image, Loader } from '@mantine/core';
import { toDataURL } from 'qrcode';
import { useEffect, useState } from 'react';

export function QrImage({ text, alt, size, testId }: { text: string; alt: string; size: number; testId: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: size })
      .then((url) => live && setSrc(url))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [text, size]);
  if (!src) {
    return (
      <Center w={size} h={size}>
        <Loader aria-label={alt} />
      </Center>
    );
  }
  return <Image src={src} alt={alt} w={size} h={size} fit="contain" data-testid={testId} data-qr-text={text} />;
}
