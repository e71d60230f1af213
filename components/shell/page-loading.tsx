// Shown at once when a console page is opened, while its server render reads the database:
// the page's shape in grey, so a slow first request reads as loading, not as a blank page.
//
// Each folder that shows it has a one-line loading.tsx. Not the folders of pages that can
// answer 404 (an instance, a family, a bulk job, an approval request): a loading boundary
// streams the response, its 200 goes out before the page knows, and notFound() could no
// longer set the status. The overview has it through its own route group, (home).
export function PageLoading() {
  return (
    <div className="space-y-6" aria-busy="true" data-testid="page-loading">
      <p role="status" className="sr-only">
        Loading the page…
      </p>
      <div aria-hidden className="animate-pulse space-y-6">
        <div className="space-y-2">
          <div className="h-6 w-48 rounded bg-slate-200" />
          <div className="h-4 w-full max-w-md rounded bg-slate-200" />
        </div>
        <div className="grid gap-4 sm:grid-cols-3">
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-20 rounded-lg border border-slate-200 bg-white" />
          ))}
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-5">
          <div className="space-y-3">
            {[0, 1, 2, 3, 4, 5].map((i) => (
              <div key={i} className="h-4 rounded bg-slate-100" />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}
