// Where the admin and account pages live (registered in web/src/routes.tsx).

export const projectsPath = '/manage/projects';
export const templatesPath = '/manage/templates';
export const ipPoolsPath = '/manage/ip-pools';
export const auditPath = '/manage/audit';
export const usersPath = '/manage/users';
export const accountPath = '/account';

/** A project's detail page. */
export const projectPath = (name: string) => `${projectsPath}/${encodeURIComponent(name)}`;
