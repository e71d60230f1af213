import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '@/components/providers';
import { Sidebar } from '@/components/shell/Sidebar';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'IU Core Console', template: '%s · IU Core Console' },
  description: 'Operations console for the iu_core substrate.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <div className="flex min-h-screen flex-col md:flex-row">
            <Sidebar />
            <div className="flex min-w-0 flex-1 flex-col">{children}</div>
          </div>
        </Providers>
      </body>
    </html>
  );
}
