import '@mantine/core/styles.css';
import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client';
import { App } from './App';
import { I18nProvider } from './i18n';

// Retries only what may heal by itself (network, 502-504); a 4xx is the answer.
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) =>
        count < 2 && (!(error instanceof ApiError) || [0, 502, 503, 504].includes(error.problem.status)),
      staleTime: 5_000,
      refetchOnWindowFocus: false,
    },
  },
});

// Shade 8 of blue and gray 7 for dimmed text: contrast of at least 4.5:1 on white (axe checks it).
const theme = createTheme({ primaryColor: 'blue', primaryShade: { light: 8, dark: 6 }, defaultRadius: 'md' });
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={resolver}>
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
