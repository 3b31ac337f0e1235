import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { hasToken, takeTokenFromUrl } from './api.js';
import { ExperimentList } from './pages/experiment-list.js';
import { ExperimentPage } from './pages/experiment-page.js';
import { JobList, JobPage } from './pages/jobs.js';
import { SubmitPage } from './pages/submit-page.js';
import { TrialPage } from './pages/trial-page.js';

/** Hash routes, so that the UI works as static files anywhere (the local server, S3 + CloudFront). */
function useRoute(): string[] {
  const parse = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const onChange = () => setRoute(parse());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function App() {
  const route = useRoute();
  let page = <ExperimentList />;
  if (route[0] === 'new') page = <SubmitPage />;
  else if (route[0] === 'experiments' && route.length === 3) page = <ExperimentPage namespace={route[1]!} name={route[2]!} />;
  else if (route[0] === 'jobs' && route.length === 1) page = <JobList />;
  else if (route[0] === 'jobs' && route.length === 3) page = <JobPage namespace={route[1]!} name={route[2]!} />;
  else if (route[0] === 'trials' && route.length === 3) page = <TrialPage namespace={route[1]!} name={route[2]!} />;
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          Tunestep
        </a>
        <nav>
          <a href="#/">Experiments</a>
          <a href="#/jobs">Training jobs</a>
          <a href="#/new">Submit</a>
          <a href="/v1/openapi.json" target="_blank" rel="noreferrer">
            API
          </a>
        </nav>
      </header>
      <main>
        {hasToken() ? page : <p class="error">No access token: open the URL that `tunestep server` printed (it ends in ?token=...).</p>}
      </main>
    </>
  );
}

takeTokenFromUrl();
render(<App />, document.getElementById('app')!);
