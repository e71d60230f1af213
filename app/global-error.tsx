'use client';

// Replaces the root layout when it fails, so it brings its own document and plain styles.
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem', color: '#1e293b' }}>
        <title>IU Core Console</title>
        <h1 style={{ fontSize: '1.25rem', fontWeight: 600 }}>IU Core Console could not start this page.</h1>
        <p>The server met an error; its log has the details. Nothing was changed.</p>
        <button type="button" onClick={() => retry()} style={{ marginTop: '1rem' }}>
          Try again
        </button>
      </body>
    </html>
  );
}
